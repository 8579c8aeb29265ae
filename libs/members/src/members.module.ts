import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { EventsModule } from '@aero/events';
import { MemberVenueEntity } from './member-venue.entity';
import { MemberEntity } from './member.entity';
import { MembersController } from './members.controller';
import { MembersImportService } from './members-import.service';
import { MembersRepository } from './members.repository';
import { MembersService } from './members.service';
import { WaiverEntity } from './waiver.entity';

/** Member profiles, dependants, waivers and membership. Other features call MembersService. */
@Module({
  imports: [TypeOrmModule.forFeature([MemberEntity, MemberVenueEntity, WaiverEntity]), EventsModule],
  controllers: [MembersController],
  providers: [MembersRepository, MembersService, MembersImportService],
  exports: [MembersService, MembersImportService],
})
export class MembersModule {}
